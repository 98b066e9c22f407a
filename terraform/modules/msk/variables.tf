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

variable "scram_username" {
  description = "SASL/SCRAM user of Knative's Kafka broker; also the suffix of its secret's name."
  type        = string
  default     = "knative-eventing"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.scram_username))
    error_message = "scram_username must be 1 to 64 letters, digits, _, . or -."
  }
}

variable "scram_password_version" {
  description = "Raise it to write a new SCRAM password (write-only: Terraform never reads it back)."
  type        = number
  default     = 1
}
