# Terraform and every provider pinned exactly, those of the community modules included
# (terraform-aws-modules/eks needs tls, time, cloudinit and null). The modules under
# ../../modules declare no versions of their own, so this file alone says what runs.
terraform {
  required_version = "~> 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.46.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "3.1.2"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.8.1"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "4.2.1"
    }
    time = {
      source  = "hashicorp/time"
      version = "0.14.0"
    }
    cloudinit = {
      source  = "hashicorp/cloudinit"
      version = "2.4.0"
    }
    null = {
      source  = "hashicorp/null"
      version = "3.3.0"
    }
  }

  # State in S3, encrypted, locked with S3's conditional writes (no DynamoDB table). The bucket
  # and its region are given at init: terraform init -backend-config=bucket=... -backend-config=region=...
  backend "s3" {
    key          = "zixly/production/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
