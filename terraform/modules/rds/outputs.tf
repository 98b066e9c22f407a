output "endpoint" {
  description = "host:port of the instance."
  value       = aws_db_instance.this.endpoint
}

output "database_name" {
  description = "The database name."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret, managed and rotated by RDS: JSON with username and password."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "ca_cert_identifier" {
  description = "The RDS CA that signs the server certificate."
  value       = aws_db_instance.this.ca_cert_identifier
}

output "iam_connect_arn" {
  description = "The rds-db:connect resource for iam_database_user."
  value       = "arn:${data.aws_partition.current.partition}:rds-db:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:dbuser:${aws_db_instance.this.resource_id}/${var.iam_database_user}"
}
