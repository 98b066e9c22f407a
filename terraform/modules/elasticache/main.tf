# ElastiCache Redis for the replay guard, rate limits, progress and the dead-letter journal:
# encrypted at rest and in transit (TLS required), an AUTH token, a replica in another zone,
# reachable only from the EKS nodes' security group. REDIS_URL, token included, is stored in
# Secrets Manager for the cluster's secret sync.
resource "random_password" "auth_token" {
  # ElastiCache accepts 16 to 128 printable characters without @, " or /; letters and digits
  # only also keep the token safe inside a URL.
  length  = 64
  special = false
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: ElastiCache storage and snapshots, and the REDIS_URL secret"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-elasticache"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-redis-"
  description = "Redis, from the EKS nodes and their pods only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-redis" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  security_group_id            = aws_security_group.this.id
  description                  = "Redis (TLS) from the EKS nodes and pods"
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "Zixly: replay guard, rate limits, run progress, dead-letter journal"

  engine               = "redis"
  engine_version       = var.engine_version
  parameter_group_name = var.parameter_group_name
  node_type            = var.node_type
  port                 = 6379

  # Cluster mode off: one shard, a primary and its replicas, one endpoint for ioredis.
  num_cache_clusters         = var.num_cache_clusters
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = var.subnet_group_name
  security_group_ids = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth_token.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_days
  auto_minor_version_upgrade = true
  apply_immediately          = false

  tags = var.tags
}

resource "aws_secretsmanager_secret" "redis_url" {
  name                    = "${var.name}/redis-url"
  description             = "REDIS_URL for zixly-secrets: rediss:// with the AUTH token"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.auth_token.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}"
}
