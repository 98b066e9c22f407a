# The network: public subnets for the load balancers and the NAT gateways, private subnets for
# the nodes and pods, and database, ElastiCache and intra (MSK) subnets with no route to the
# internet at all.
data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)

  # With the VPC CNI every pod takes an address of its node's subnet, so the private subnets
  # get a /20 each (4,091 addresses); everything else fits in a /24.
  private_subnets     = [for i in range(3) : cidrsubnet(var.cidr, 4, i)]
  public_subnets      = [for i in range(3) : cidrsubnet(var.cidr, 8, 48 + i)]
  database_subnets    = [for i in range(3) : cidrsubnet(var.cidr, 8, 52 + i)]
  elasticache_subnets = [for i in range(3) : cidrsubnet(var.cidr, 8, 56 + i)]
  intra_subnets       = [for i in range(3) : cidrsubnet(var.cidr, 8, 60 + i)]
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.6.0"

  name = var.name
  cidr = var.cidr
  azs  = local.azs

  private_subnets     = local.private_subnets
  public_subnets      = local.public_subnets
  database_subnets    = local.database_subnets
  elasticache_subnets = local.elasticache_subnets
  intra_subnets       = local.intra_subnets

  enable_nat_gateway     = true
  single_nat_gateway     = var.single_nat_gateway
  one_nat_gateway_per_az = !var.single_nat_gateway

  enable_dns_hostnames = true
  enable_dns_support   = true

  # Subnet groups for RDS and ElastiCache. Neither kind of subnet gets a route to the internet
  # gateway or a NAT gateway (the module's defaults, stated here so that they stay so).
  create_database_subnet_group           = true
  create_database_internet_gateway_route = false
  create_database_nat_gateway_route      = false
  create_elasticache_subnet_group        = true

  map_public_ip_on_launch = false

  # The default security group allows nothing.
  manage_default_security_group = true

  # Where EKS places load balancers: internet-facing in public subnets, internal in private ones.
  public_subnet_tags  = { "kubernetes.io/role/elb" = "1" }
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = "1" }

  enable_flow_log                                 = true
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_max_aggregation_interval               = 60
  flow_log_cloudwatch_log_group_retention_in_days = 30

  tags = var.tags
}
