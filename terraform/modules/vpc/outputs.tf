output "vpc_id" {
  description = "The VPC's id."
  value       = module.vpc.vpc_id
}

output "vpc_cidr_block" {
  description = "The VPC's CIDR: the pods' addresses (VPC CNI) and the data stores'."
  value       = module.vpc.vpc_cidr_block
}

output "private_subnet_ids" {
  description = "Subnets of the nodes and pods."
  value       = module.vpc.private_subnets
}

output "intra_subnet_ids" {
  description = "Subnets without internet access, for MSK's brokers."
  value       = module.vpc.intra_subnets
}

output "database_subnet_group_name" {
  description = "RDS subnet group over the database subnets."
  value       = module.vpc.database_subnet_group_name
}

output "elasticache_subnet_group_name" {
  description = "ElastiCache subnet group over the ElastiCache subnets."
  value       = module.vpc.elasticache_subnet_group_name
}

output "data_subnet_cidrs" {
  description = "CIDRs of the database and ElastiCache subnets: the tightest egress rule for Postgres and Redis."
  value       = concat(module.vpc.database_subnets_cidr_blocks, module.vpc.elasticache_subnets_cidr_blocks)
}
