output "versions" {
  description = "What this module installs."
  value = {
    operator     = local.operator_version
    serving      = local.serving_version
    eventing     = local.eventing_version
    kafka_broker = local.kafka_broker_version
  }
}
