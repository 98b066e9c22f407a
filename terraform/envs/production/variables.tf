variable "region" {
  description = "AWS region of everything."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's /16. The default is the placeholder of knative/overlays/eks (TRUSTED_PROXIES, notify-egress.yaml), so keeping it keeps the overlay right as it is."
  type        = string
  default     = "10.0.0.0/16"
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.35"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "CIDRs that may reach the EKS API from outside the VPC (where terraform and kubectl run). No default, and never 0.0.0.0/0; an empty list turns the public endpoint off."
  type        = list(string)

  validation {
    condition     = !contains(var.cluster_endpoint_public_access_cidrs, "0.0.0.0/0")
    error_message = "cluster_endpoint_public_access_cidrs must not contain 0.0.0.0/0."
  }
}

variable "domain" {
  description = "Domain of the Knative Services' URLs, e.g. zixly.example.com (api.zixly.<domain>, ingest-webhook.zixly.<domain>)."
  type        = string
}

variable "node_instance_types" {
  description = "Instance types of the EKS managed node group."
  type        = list(string)
  default     = ["m7i.large"]
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
  default     = 3
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
  default     = 10
}

variable "node_desired_size" {
  description = "Nodes at creation."
  type        = number
  default     = 3
}

variable "rds_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.m7g.large"
}

variable "rds_iam_database_authentication" {
  description = "Turn on RDS IAM database authentication and give the IRSA roles rds-db:connect (the functions still connect with the password until they learn IAM tokens)."
  type        = bool
  default     = false
}

variable "elasticache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "msk_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}
