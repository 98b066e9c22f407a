output "bootstrap_brokers_tls" {
  description = "Comma-separated host:9094 pairs of the TLS listener."
  value       = aws_msk_cluster.this.bootstrap_brokers_tls
}
