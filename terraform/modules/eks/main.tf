# The EKS cluster: a private API endpoint (public only from the listed CIDRs), secrets encrypted
# with KMS, an OIDC provider for IRSA, the VPC CNI enforcing NetworkPolicy, and one managed node
# group in the private subnets.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.cluster_name
  kubernetes_version = var.kubernetes_version

  vpc_id     = var.vpc_id
  subnet_ids = var.subnet_ids

  # The nodes reach the API server inside the VPC; from outside only the listed CIDRs do, and
  # with none listed the public endpoint is off.
  endpoint_private_access      = true
  endpoint_public_access       = length(var.public_access_cidrs) > 0
  endpoint_public_access_cidrs = var.public_access_cidrs

  # Access entries only (no aws-auth ConfigMap); whoever runs `terraform apply` is admin.
  authentication_mode                      = "API"
  enable_cluster_creator_admin_permissions = true

  # The IAM OIDC provider that IRSA's web-identity trust policies name (../irsa).
  enable_irsa = true

  # Kubernetes Secrets (zixly-secrets among them) envelope-encrypted with a KMS key the module makes.
  encryption_config = {
    resources = ["secrets"]
  }

  enabled_log_types   = ["api", "audit", "authenticator"]
  deletion_protection = true

  addons = {
    # Before the nodes, so that they come up with it. enableNetworkPolicy starts the network
    # policy agent: without it the Jobs' and notify's egress NetworkPolicies are not enforced.
    vpc-cni = {
      before_compute = true
      configuration_values = jsonencode({
        enableNetworkPolicy = "true"
      })
    }
    kube-proxy = {}
    coredns    = {}
  }

  eks_managed_node_groups = {
    default = {
      ami_type       = "AL2023_x86_64_STANDARD"
      instance_types = var.node_instance_types
      min_size       = var.node_min_size
      max_size       = var.node_max_size
      desired_size   = var.node_desired_size
      subnet_ids     = var.subnet_ids
      # The module's default launch template requires IMDSv2 with a hop limit of 1, so pods
      # cannot borrow the node's role: their AWS identity comes from IRSA only.
    }
  }

  tags = var.tags
}
