# Amazon MSK for Knative's Kafka broker: TLS between clients and brokers and between brokers,
# encrypted at rest with a key of its own, no public access, reachable only from the EKS nodes'
# security group on the TLS listener. Topics keep three replicas and acknowledge a write once
# two hold it, which is what makes the Broker's 202 durable.
resource "aws_kms_key" "this" {
  description             = "${var.name}: MSK storage"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-msk"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-msk-"
  description = "Kafka over TLS, from the EKS nodes and their pods only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-msk" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "kafka_tls" {
  security_group_id            = aws_security_group.this.id
  description                  = "Kafka TLS listener from the EKS nodes and pods"
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 9094
  to_port                      = 9094
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

  # Who may connect is decided by the security group above: TLS without client identities.
  # docs/decisions/0040-terraform.md says why, and what SASL/SCRAM would add.
  client_authentication {
    unauthenticated = true
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
