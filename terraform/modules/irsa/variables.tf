variable "namespace" {
  description = "Namespace of the service accounts."
  type        = string
}

variable "service_accounts" {
  description = "ServiceAccounts that get a role each, named as the account."
  type        = set(string)
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_provider" {
  description = "The cluster's OIDC issuer without https:// (the condition keys' prefix)."
  type        = string
}

variable "attach_rds_connect" {
  description = "Give every role rds-db:connect on rds_connect_arn (RDS IAM database authentication)."
  type        = bool
  default     = false
}

variable "rds_connect_arn" {
  description = "The rds-db:connect resource: arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>."
  type        = string
  default     = null

  validation {
    condition     = var.rds_connect_arn == null || can(regex("^arn:[^:]+:rds-db:", var.rds_connect_arn))
    error_message = "rds_connect_arn must be an rds-db ARN."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
