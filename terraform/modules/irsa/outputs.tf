output "role_arns" {
  description = "Role ARN per ServiceAccount, for its eks.amazonaws.com/role-arn annotation."
  value       = { for account, role in aws_iam_role.this : account => role.arn }
}
