# What the EKS overlay, skaffold and the secret sync consume; README.md (terraform/) says where
# each one goes. deploy-tests/terraform.test.ts checks that every output it names exists here.
output "region" {
  description = "The AWS region."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name, for aws eks update-kubeconfig."
  value       = module.eks.cluster_name
}

output "vpc_cidr" {
  description = "The VPC's CIDR, pod addresses included: TRUSTED_PROXIES and notify-egress.yaml."
  value       = module.vpc.vpc_cidr_block
}

output "data_subnet_cidrs" {
  description = "The database and ElastiCache subnets: a tighter notify-egress.yaml rule than the VPC CIDR."
  value       = module.vpc.data_subnet_cidrs
}

output "ecr_registry" {
  description = "The ECR registry: skaffold run -p eks --default-repo <this>."
  value       = module.ecr.registry
}

output "ecr_repository_urls" {
  description = "Repository URL per repository."
  value       = module.ecr.repository_urls
}

output "irsa_role_arns" {
  description = "Role ARN per ServiceAccount: the eks.amazonaws.com/role-arn annotations of service-accounts-irsa.yaml."
  value       = module.irsa.role_arns
}

output "msk_bootstrap_brokers_sasl_scram" {
  description = "MSK's SASL/SCRAM bootstrap brokers (host:9096), already in knative-eventing/kafka-broker-config."
  value       = module.msk.bootstrap_brokers_sasl_scram
}

output "msk_scram_secret_arn" {
  description = "Secrets Manager secret (AmazonMSK_...) with the Kafka broker's SCRAM username and password, JSON: the Secret kafka-broker-scram in knative-eventing is made from it."
  value       = module.msk.scram_secret_arn
}

output "rds_endpoint" {
  description = "RDS Postgres host:port, the host of DATABASE_URL."
  value       = module.rds.endpoint
}

output "rds_database_name" {
  description = "The database of DATABASE_URL."
  value       = module.rds.database_name
}

output "rds_ca_cert_identifier" {
  description = "The RDS CA that signs the server certificate: its bundle is what the functions verify Postgres against."
  value       = module.rds.ca_cert_identifier
}

output "database_url_secret_arn" {
  description = "Secrets Manager secret from which DATABASE_URL is built: RDS-managed and rotated, JSON with username and password."
  value       = module.rds.master_user_secret_arn
}

output "elasticache_endpoint" {
  description = "ElastiCache Redis primary host:port, the host of REDIS_URL."
  value       = module.elasticache.primary_endpoint
}

output "redis_url_secret_arn" {
  description = "Secrets Manager secret holding REDIS_URL (rediss://, AUTH token included)."
  value       = module.elasticache.redis_url_secret_arn
}

output "knative_versions" {
  description = "Knative Operator, Serving, Eventing and Kafka broker versions installed."
  value       = module.knative.versions
}
