variable "cluster_name" {
  description = "Name of the EKS cluster."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> of the control plane and the nodes."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane's network interfaces and the nodes."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint; empty turns the public endpoint off."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be IPv4 CIDRs, and not 0.0.0.0/0: list the networks that run kubectl and terraform."
  }
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
}

variable "node_desired_size" {
  description = "Nodes at creation (the cluster autoscaler, if installed, moves it afterwards)."
  type        = number
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
