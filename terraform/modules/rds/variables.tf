variable "identifier" {
  description = "The DB instance identifier and prefix of its resources."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the database's security group."
  type        = string
}

variable "db_subnet_group_name" {
  description = "Subnet group over the database subnets (no route to the internet)."
  type        = string
}

variable "client_security_group_id" {
  description = "The one security group allowed to connect: the EKS nodes' (their pods share it)."
  type        = string
}

variable "engine_major_version" {
  description = "Postgres major version; RDS picks the minor and upgrades it in the maintenance window."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
}

variable "allocated_storage" {
  description = "Initial storage in GiB."
  type        = number
  default     = 50
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 500
}

variable "database_name" {
  description = "The database the functions use (the path of DATABASE_URL)."
  type        = string
  default     = "zixly"
}

variable "master_username" {
  description = "The master user; its password lives in the RDS-managed secret."
  type        = string
  default     = "zixly"
}

variable "iam_database_authentication" {
  description = "Allow IAM tokens as passwords (the roles of ../irsa then get rds-db:connect)."
  type        = bool
  default     = false
}

variable "iam_database_user" {
  description = "The database user that IAM authentication maps to (GRANT rds_iam TO it)."
  type        = string
  default     = "zixly_app"
}

variable "multi_az" {
  description = "A standby in another zone."
  type        = bool
  default     = true
}

variable "ca_cert_identifier" {
  description = "RDS CA of the server certificate."
  type        = string
  default     = "rds-ca-rsa2048-g1"
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
