variable "name" {
  description = "Replication group id and prefix of its resources."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the security group."
  type        = string
}

variable "subnet_group_name" {
  description = "ElastiCache subnet group (no route to the internet)."
  type        = string
}

variable "client_security_group_id" {
  description = "The one security group allowed to connect: the EKS nodes' (their pods share it)."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS version."
  type        = string
  default     = "7.1"
}

variable "parameter_group_name" {
  description = "Parameter group matching engine_version."
  type        = string
  default     = "default.redis7"
}

variable "node_type" {
  description = "Cache node type."
  type        = string
}

variable "num_cache_clusters" {
  description = "Nodes: one primary and the rest replicas (2 or more for failover across zones)."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 2
    error_message = "num_cache_clusters must be at least 2: automatic failover needs a replica."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
