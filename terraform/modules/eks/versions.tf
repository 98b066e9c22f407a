# Providers this module uses. No versions here: the environment that calls it pins every
# provider exactly (envs/*/versions.tf), including those terraform-aws-modules/eks needs.
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}
