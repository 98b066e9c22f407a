# IAM roles for service accounts: one role per Kubernetes ServiceAccount, named as the account,
# that only a pod of that account in that namespace can assume (EKS docs, "IAM roles for service
# accounts": StringEquals on both the :sub and the :aud claims of the projected token).
data "aws_iam_policy_document" "trust" {
  for_each = var.service_accounts

  statement {
    sid     = "OnlyThisServiceAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${each.key}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_provider}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.service_accounts

  # The name that knative/overlays/eks/service-accounts-irsa.yaml puts in each account's
  # eks.amazonaws.com/role-arn annotation.
  name                 = each.key
  description          = "IRSA: pods of the ServiceAccount ${var.namespace}/${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600

  tags = var.tags
}

# The only AWS permission the functions need today: connecting to RDS with an IAM token, when
# the database has IAM authentication on. Everything else they reach is inside the cluster.
data "aws_iam_policy_document" "rds_connect" {
  count = var.attach_rds_connect ? 1 : 0

  statement {
    sid       = "ConnectAsTheAppUser"
    effect    = "Allow"
    actions   = ["rds-db:connect"]
    resources = [var.rds_connect_arn]
  }
}

resource "aws_iam_role_policy" "rds_connect" {
  for_each = var.attach_rds_connect ? var.service_accounts : toset([])

  name   = "rds-db-connect"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.rds_connect[0].json
}
