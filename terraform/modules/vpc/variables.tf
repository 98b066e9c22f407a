variable "name" {
  description = "Name of the VPC and prefix of its resources."
  type        = string
}

variable "cidr" {
  description = "The VPC's IPv4 CIDR. Pods take addresses from it too (VPC CNI), so it is what TRUSTED_PROXIES and notify's egress policy name."
  type        = string

  validation {
    # AWS allows /16 at the largest, and the subnets below are carved from a /16.
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("/16$", var.cidr))
    error_message = "cidr must be an IPv4 /16: the subnets are carved from it as /20s and /24s."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, but egress fails with its zone) instead of one per zone."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
