# Amazon MSK for Knative's Kafka broker: clients authenticate with SASL/SCRAM over TLS (no
# unauthenticated listener), TLS between brokers, encrypted at rest with a key of its own, no
# public access, reachable only from the EKS nodes' security group on the SCRAM listener. Topics
# keep three replicas and acknowledge a write once two hold it, which is what makes the Broker's
# 202 durable. docs/decisions/0045-msk-client-authentication.md says why SCRAM.
resource "aws_kms_key" "this" {
  description             = "${var.name}: MSK storage and its SCRAM secret"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-msk"
  target_key_id = aws_kms_key.this.key_id
}

# The description stays as first written (now TLS with SCRAM on top): changing it replaces the
# group, and with it the cluster's security_groups.
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-msk-"
  description = "Kafka over TLS, from the EKS nodes and their pods only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-msk" })

  lifecycle {
    create_before_destroy = true
  }
}

# 9096 is MSK's SASL/SCRAM listener inside AWS; with unauthenticated access off there is no TLS
# listener on 9094 to open.
resource "aws_vpc_security_group_ingress_rule" "kafka_sasl_scram" {
  security_group_id            = aws_security_group.this.id
  description                  = "Kafka SASL/SCRAM listener from the EKS nodes and pods"
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 9096
  to_port                      = 9096
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/msk/${var.name}"
  retention_in_days = 30

  tags = var.tags
}

resource "aws_msk_configuration" "this" {
  name           = var.name
  description    = "${var.name}: replicated, no topic created implicitly"
  kafka_versions = [var.kafka_version]

  # The Kafka broker creates its topics itself (default.topic.* of kafka-broker-config).
  server_properties = <<-EOT
    auto.create.topics.enable = false
    default.replication.factor = 3
    min.insync.replicas = 2
    unclean.leader.election.enable = false
  EOT

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = length(var.subnet_ids)

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.volume_size
      }
    }

    connectivity_info {
      public_access {
        type = "DISABLED"
      }
    }
  }

  # Only SCRAM users (the secret below) may connect: reaching the brokers through the security
  # group is no longer enough to read or write a topic.
  client_authentication {
    unauthenticated = false

    sasl {
      scram = true
      iam   = false
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.this.arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  enhanced_monitoring = "DEFAULT"

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.this.name
      }
    }
  }

  tags = var.tags
}

# The Kafka broker's SCRAM user. MSK reads users only from Secrets Manager secrets whose name
# starts with AmazonMSK_, encrypted with a customer-managed key (it refuses the default
# aws/secretsmanager key), holding JSON {"username", "password"}.
resource "aws_secretsmanager_secret" "scram" {
  name                    = "AmazonMSK_${var.name}-${var.scram_username}"
  description             = "SASL/SCRAM user of Knative's Kafka broker on ${var.name}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

# Generated at apply and written write-only: the password never enters the plan or the state.
# Letters and digits only, because the Kafka broker's data plane puts it inside the quotes of a
# JAAS line (password="...") without escaping them.
ephemeral "random_password" "scram" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret_version" "scram" {
  secret_id = aws_secretsmanager_secret.scram.id
  secret_string_wo = jsonencode({
    username = var.scram_username
    password = ephemeral.random_password.scram.result
  })
  # Terraform cannot see a write-only value change: raising this writes a new password.
  secret_string_wo_version = var.scram_password_version
}

# The policy MSK attaches to the secret on association, declared so that plan shows no drift
# (the provider's documentation of aws_msk_scram_secret_association asks for it).
data "aws_iam_policy_document" "scram" {
  statement {
    sid       = "AWSKafkaResourcePolicy"
    effect    = "Allow"
    actions   = ["secretsmanager:getSecretValue"]
    resources = [aws_secretsmanager_secret.scram.arn]

    principals {
      type        = "Service"
      identifiers = ["kafka.amazonaws.com"]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "scram" {
  secret_arn = aws_secretsmanager_secret.scram.arn
  policy     = data.aws_iam_policy_document.scram.json
}

# Exclusive: a secret associated by hand is removed at the next apply.
resource "aws_msk_scram_secret_association" "this" {
  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [aws_secretsmanager_secret.scram.arn]

  depends_on = [aws_secretsmanager_secret_version.scram, aws_secretsmanager_secret_policy.scram]
}
