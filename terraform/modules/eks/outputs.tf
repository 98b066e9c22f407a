output "cluster_name" {
  description = "Name of the cluster."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "The API server's endpoint."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "The cluster CA, base64."
  value       = module.eks.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider that IRSA trust policies name as their principal."
  value       = module.eks.oidc_provider_arn
}

output "oidc_provider" {
  description = "The OIDC issuer without https://: the prefix of the :sub and :aud condition keys."
  value       = module.eks.oidc_provider
}

output "node_security_group_id" {
  description = "Security group of the nodes, and so of the pods (VPC CNI without security groups for pods)."
  value       = module.eks.node_security_group_id
}
