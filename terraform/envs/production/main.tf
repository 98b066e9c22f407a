# Production on EKS: what knative/overlays/eks expects to find. Each module's outputs that the
# overlay, skaffold or the secret sync consume are outputs of this environment (outputs.tf), and
# README.md (terraform/) says where each one goes.
locals {
  name      = "zixly-production"
  namespace = "zixly"

  # The ServiceAccounts of knative/overlays/eks/service-accounts-irsa.yaml; each gets a role of
  # its own name, which is the role name in that file's ARNs.
  irsa_service_accounts = ["zixly-function", "zixly-jobs", "zixly-api", "zixly-job-canceller"]

  # The eks profile of skaffold.yaml builds zixly/functions and zixly/backtest-job; with an ECR
  # --default-repo skaffold replaces every "/", ".", ":" and "@" of an image name with "_"
  # (ECR is not a registry it treats as multi-level), so these are the repositories it pushes to.
  ecr_repositories = ["zixly_functions", "zixly_backtest-job"]

  tags = {
    project     = "zixly-pipelines"
    environment = "production"
    managed-by  = "terraform"
  }
}

module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  cidr               = var.vpc_cidr
  single_nat_gateway = false
}

module "eks" {
  source = "../../modules/eks"

  cluster_name        = local.name
  kubernetes_version  = var.kubernetes_version
  vpc_id              = module.vpc.vpc_id
  subnet_ids          = module.vpc.private_subnet_ids
  public_access_cidrs = var.cluster_endpoint_public_access_cidrs

  node_instance_types = var.node_instance_types
  node_min_size       = var.node_min_size
  node_max_size       = var.node_max_size
  node_desired_size   = var.node_desired_size
}

module "rds" {
  source = "../../modules/rds"

  identifier                  = local.name
  vpc_id                      = module.vpc.vpc_id
  db_subnet_group_name        = module.vpc.database_subnet_group_name
  client_security_group_id    = module.eks.node_security_group_id
  instance_class              = var.rds_instance_class
  iam_database_authentication = var.rds_iam_database_authentication
}

module "elasticache" {
  source = "../../modules/elasticache"

  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_group_name        = module.vpc.elasticache_subnet_group_name
  client_security_group_id = module.eks.node_security_group_id
  node_type                = var.elasticache_node_type
}

module "msk" {
  source = "../../modules/msk"

  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.intra_subnet_ids
  client_security_group_id = module.eks.node_security_group_id
  instance_type            = var.msk_instance_type
}

module "ecr" {
  source = "../../modules/ecr"

  repositories = local.ecr_repositories
}

module "irsa" {
  source = "../../modules/irsa"

  namespace          = local.namespace
  service_accounts   = local.irsa_service_accounts
  oidc_provider_arn  = module.eks.oidc_provider_arn
  oidc_provider      = module.eks.oidc_provider
  attach_rds_connect = var.rds_iam_database_authentication
  rds_connect_arn    = var.rds_iam_database_authentication ? module.rds.iam_connect_arn : null
}

module "knative" {
  source = "../../modules/knative"

  domain                  = var.domain
  kafka_bootstrap_servers = module.msk.bootstrap_brokers_sasl_scram

  # The releases need nodes to run on, not only an API server to talk to.
  depends_on = [module.eks]
}
