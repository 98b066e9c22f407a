output "primary_endpoint" {
  description = "host:port of the primary."
  value       = "${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}"
}

output "redis_url_secret_arn" {
  description = "Secrets Manager secret holding REDIS_URL (rediss://:<token>@<primary>:6379)."
  value       = aws_secretsmanager_secret.redis_url.arn
}
