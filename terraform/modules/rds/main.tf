# RDS Postgres for runs, results, the broker outbox and dead letters: private, encrypted with a
# key of its own, TLS required, reachable only from the EKS nodes' security group, and its
# master password generated and kept by RDS in Secrets Manager (never in Terraform's state).
data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  description             = "${var.identifier}: RDS storage, Performance Insights and the master user secret"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.identifier}-rds"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_security_group" "this" {
  name_prefix = "${var.identifier}-rds-"
  description = "Postgres, from the EKS nodes and their pods only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.identifier}-rds" })

  lifecycle {
    create_before_destroy = true
  }
}

# The only way in. No egress rule: the database starts no connection of its own.
resource "aws_vpc_security_group_ingress_rule" "postgres" {
  security_group_id            = aws_security_group.this.id
  description                  = "Postgres from the EKS nodes and pods"
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-"
  family      = "postgres${var.engine_major_version}"
  description = "${var.identifier}: TLS required"

  # Refuse any connection without TLS (the functions connect with sslmode=verify-full).
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_major_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  db_name  = var.database_name
  username = var.master_username
  # RDS generates the password, stores it in Secrets Manager under this key and rotates it.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn

  iam_database_authentication_enabled = var.iam_database_authentication

  db_subnet_group_name   = var.db_subnet_group_name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  # The CA that signs the server certificate; clients verify against its bundle (README.md).
  ca_cert_identifier = var.ca_cert_identifier

  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"
  copy_tags_to_snapshot     = true
  backup_retention_period   = var.backup_retention_days
  delete_automated_backups  = false

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = false

  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.this.arn
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = var.tags
}
