#!/usr/bin/env bash
# Makes the kind cluster that `skaffold dev` deploys knative/overlays/kind to: Kubernetes 1.33,
# Knative Serving with Kourier on http://*.127.0.0.1.sslip.io (port 80 of this machine), and
# Knative Eventing with the in-memory channel and the MT channel broker, all at KNATIVE.
#
#   knative/cluster/kind-up.sh          # about 3 minutes; then `skaffold dev`
#   kind delete cluster --name zixly    # tear down
#
# Needs kind v0.29.0 (the node image of kind.yaml is its own), kubectl, and Docker with
# 5 CPUs and 8 GiB (knative/overlays/kind/README.md). deploy-tests/cluster-setup.test.ts runs
# this script against recording stand-ins for kind and kubectl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

CLUSTER="${ZIXLY_CLUSTER:-zixly}"
KNATIVE="knative-v1.21.0"
serving="https://github.com/knative/serving/releases/download/$KNATIVE"
kourier="https://github.com/knative-extensions/net-kourier/releases/download/$KNATIVE"
eventing="https://github.com/knative/eventing/releases/download/$KNATIVE"

# From the repository's root: kind.yaml mounts ./data into the node (kind makes a relative
# hostPath absolute against the directory it runs in).
(cd "$here/../.." && kind create cluster --name "$CLUSTER" --config "$here/kind.yaml")
k() { kubectl --context "kind-$CLUSTER" "$@"; }

# Knative Serving, and the feature flags the overlays' pod templates need.
k apply -f "$serving/serving-crds.yaml"
k apply -f "$serving/serving-core.yaml"
k -n knative-serving patch configmap/config-features --type merge \
  --patch-file "$here/serving-features.yaml"

# Kourier as Knative's ingress. Without the ingress-class no Route is ever programmed.
k apply -f "$kourier/kourier.yaml"
k -n knative-serving patch configmap/config-network --type merge \
  --patch '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'
# kind has no load balancer: Kourier on the NodePort that kind.yaml maps to 127.0.0.1:80, and
# externalTrafficPolicy Local so Envoy sees the client's address (TRUSTED_PROXIES, allowIps).
k -n kourier-system patch service/kourier \
  --patch '{"spec":{"type":"NodePort","externalTrafficPolicy":"Local","ports":[{"port":80,"nodePort":31080}]}}'
# Service URLs http://<service>.<namespace>.127.0.0.1.sslip.io: sslip.io answers 127.0.0.1.
k -n knative-serving patch configmap/config-domain --type merge \
  --patch '{"data":{"127.0.0.1.sslip.io":""}}'
k wait --for=condition=Available deployment --all -n knative-serving --timeout=300s
k wait --for=condition=Available deployment --all -n kourier-system --timeout=300s

# Knative Eventing: the Broker's default class on kind, the MT channel broker on the in-memory
# channel (not durable: development only).
k apply -f "$eventing/eventing-crds.yaml"
k apply -f "$eventing/eventing-core.yaml"
k apply -f "$eventing/in-memory-channel.yaml"
k apply -f "$eventing/mt-channel-broker.yaml"
k wait --for=condition=Available deployment --all -n knative-eventing --timeout=300s

echo "kind cluster $CLUSTER is ready (context kind-$CLUSTER): run skaffold dev"
