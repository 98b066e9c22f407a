output "bootstrap_brokers_sasl_scram" {
  description = "Comma-separated host:9096 pairs of the SASL/SCRAM listener (TLS), the only one clients may use."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "scram_secret_arn" {
  description = "Secrets Manager secret (AmazonMSK_ prefix, this module's KMS key) holding the Kafka broker's SCRAM username and password as JSON."
  value       = aws_secretsmanager_secret.scram.arn
}
