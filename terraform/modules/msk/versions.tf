# Providers this module uses. No versions here: the environment that calls it pins every
# provider exactly (envs/*/versions.tf).
terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}
