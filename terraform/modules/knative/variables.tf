variable "domain" {
  description = "Domain of the Knative Services' URLs (config-domain); its DNS points at Kourier's load balancer."
  type        = string
}

variable "kafka_bootstrap_servers" {
  description = "MSK's SASL/SCRAM bootstrap brokers (host:9096, comma-separated)."
  type        = string
}

variable "kafka_topic_partitions" {
  description = "Partitions of each topic the Kafka broker creates."
  type        = number
  default     = 10
}

variable "kafka_topic_replication_factor" {
  description = "Replicas of each topic the Kafka broker creates (at most the number of brokers)."
  type        = number
  default     = 3
}
