# Knative on the cluster, by Helm alone: the Knative Operator's chart, then a chart of this
# module that holds the Operator's custom resources (KnativeServing with Kourier, KnativeEventing
# with the Kafka broker) and what they need. Every version is pinned below.
#
# Why Helm for the custom resources too: kubernetes_manifest needs the CRDs and a reachable
# cluster at plan time, so it could not plan a cluster that does not exist yet; helm_release
# can (docs/decisions/0040-terraform.md).
locals {
  # The Operator's release; it carries the manifests of the Serving and Eventing versions below.
  operator_version = "1.21.4"
  serving_version  = "1.21.3"
  eventing_version = "1.21.4"
  # knative-extensions/eventing-kafka-broker, the same minor as Eventing.
  kafka_broker_version = "1.21.4"

  operator_chart = "https://github.com/knative/operator/releases/download/knative-v${local.operator_version}/knative-operator-v${local.operator_version}.tgz"
  kafka_release  = "https://github.com/knative-extensions/eventing-kafka-broker/releases/download/knative-v${local.kafka_broker_version}"

  namespaces = [
    for name in ["knative-serving", "knative-eventing"] : {
      apiVersion = "v1"
      kind       = "Namespace"
      metadata   = { name = name }
    }
  ]

  knative_serving = {
    apiVersion = "operator.knative.dev/v1beta1"
    kind       = "KnativeServing"
    metadata = {
      name      = "knative-serving"
      namespace = "knative-serving"
    }
    spec = {
      version = local.serving_version
      ingress = {
        kourier = {
          enabled        = true
          "service-type" = "LoadBalancer"
        }
      }
      # An NLB for Kourier (the in-tree AWS load balancer controller reads the annotation).
      services = [
        {
          name        = "kourier"
          annotations = { "service.beta.kubernetes.io/aws-load-balancer-type" = "nlb" }
        },
      ]
      config = {
        network = {
          "ingress-class" = "kourier.ingress.networking.knative.dev"
        }
        # Service URLs are <service>.<namespace>.<domain>.
        domain = {
          (var.domain) = ""
        }
        # What knative/cluster/serving-features.yaml sets on kind, and more.
        features = {
          # JOB_NAMESPACE comes from the downward API (knative/base/function-defaults.yaml).
          "kubernetes.podspec-fieldref" = "enabled"
          # Each function's pods spread over zones (knative/overlays/eks/spread.yaml).
          "kubernetes.podspec-topologyspreadconstraints" = "enabled"
          # The functions' writable scratch directory (on by default; stated so it stays on).
          "kubernetes.podspec-emptydir" = "enabled"
        }
      }
    }
  }

  knative_eventing = {
    apiVersion = "operator.knative.dev/v1beta1"
    kind       = "KnativeEventing"
    metadata = {
      name      = "knative-eventing"
      namespace = "knative-eventing"
    }
    spec = {
      version = local.eventing_version
      # The Kafka broker's control plane (with its CRDs and kafka-broker-config) and data plane.
      additionalManifests = [
        { URL = "${local.kafka_release}/eventing-kafka-controller.yaml" },
        { URL = "${local.kafka_release}/eventing-kafka-broker.yaml" },
      ]
      config = {
        features = {
          # Sender authentication: the EventPolicy of knative/components/broker-oidc is enforced.
          "authentication-oidc" = "enabled"
        }
        # The ConfigMap that knative/overlays/eks/broker-kafka.yaml names. The Operator applies
        # these keys over the manifest's placeholder values on every reconcile.
        "kafka-broker-config" = {
          "bootstrap.servers"                = var.kafka_bootstrap_servers
          "default.topic.partitions"         = tostring(var.kafka_topic_partitions)
          "default.topic.replication.factor" = tostring(var.kafka_topic_replication_factor)
          "auth.secret.ref.name"             = local.kafka_auth_secret
        }
      }
    }
  }

  # The Secret in knative-eventing with the SCRAM user MSK knows (protocol SASL_SSL, sasl.mechanism
  # SCRAM-SHA-512, user, password; no ca.crt, so TLS is checked against the system's CAs). It is
  # not made here: it holds the password, which would then sit in this release's values and in
  # Terraform's state. The secret sync copies it from MSK's AmazonMSK_ secret (terraform/README.md).
  kafka_auth_secret = "kafka-broker-scram"
}

resource "helm_release" "operator" {
  name             = "knative-operator"
  namespace        = "knative-operator"
  create_namespace = true
  chart            = local.operator_chart

  atomic      = true
  wait        = true
  timeout     = 600
  max_history = 10
}

resource "helm_release" "knative" {
  name      = "knative"
  namespace = "knative-operator"
  chart     = "${path.module}/chart"

  values = [
    yamlencode({
      manifests = concat(local.namespaces, [local.knative_serving, local.knative_eventing])
    })
  ]

  atomic      = true
  wait        = true
  timeout     = 600
  max_history = 10

  # The custom resources' kinds exist once the Operator's chart has installed its CRDs.
  depends_on = [helm_release.operator]
}
