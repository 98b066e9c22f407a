variable "name" {
  description = "Cluster name and prefix of its resources."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the security group."
  type        = string
}

variable "subnet_ids" {
  description = "One subnet per zone; one broker in each."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) == 3
    error_message = "subnet_ids must name three subnets: topics keep three replicas."
  }
}

variable "client_security_group_id" {
  description = "The one security group allowed to connect: the EKS nodes' (their pods share it)."
  type        = string
}

variable "kafka_version" {
  description = "Kafka version (MSK's x.y.x form follows patch releases)."
  type        = string
  default     = "3.9.x"
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
}

variable "volume_size" {
  description = "EBS GiB per broker."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
