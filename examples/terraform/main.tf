# The configuration examples/terraform/plan.json stands for: what `terraform show -json tfplan`
# prints for it, against a state that already holds alicloud_kms_key.unchanged,
# huaweicloud_gaussdb_mysql_instance.reports (one read replica) and
# huaweicloud_gaussdb_mysql_instance.legacy. plan.json was written by hand from Terraform's
# documented plan format and the schemas of aliyun/alicloud 1.289.0 and huaweicloud/huaweicloud
# 1.97.1 (no cloud provider can be installed where it was made): regenerate it with real providers
# and credentials as docs/docsite/rst/guide_terraform_plan.rst shows.

terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "~> 1.289"
    }
    huaweicloud = {
      source  = "huaweicloud/huaweicloud"
      version = "~> 1.97"
    }
  }
}

variable "region" {
  type    = string
  default = "cn-hangzhou"
}

variable "db_password" {
  type      = string
  sensitive = true
}

provider "alicloud" {
  region = var.region
}

provider "huaweicloud" {
  region = "cn-north-4"
}

# 3 keys (count, in a child module) on an existing KMS instance: a need of 3 on kst-hzz0001demo.
module "payments" {
  source          = "./modules/payments"
  kms_instance_id = "kst-hzz0001demo"
  key_count       = 3
}

# A KMS instance this plan creates, and 2 keys in it: judged against its key_num (1000, none used).
resource "alicloud_kms_instance" "app" {
  spec        = 1000
  key_num     = 1000
  secret_num  = 100
  vpc_num     = 1
  vpc_id      = "vpc-bp1example"
  vswitch_ids = ["vsw-bp1example"]
  zone_ids    = ["cn-hangzhou-k", "cn-hangzhou-j"]
}

resource "alicloud_kms_key" "app" {
  count            = 2
  description      = "app key ${count.index}"
  dkms_instance_id = alicloud_kms_instance.app.id
}

# No dkms_instance_id: the shared KMS service, which has no instance quota (not gated).
resource "alicloud_kms_key" "shared" {
  description = "shared KMS key"
}

# Already exists, unchanged: no need.
resource "alicloud_kms_key" "unchanged" {
  description      = "existing key"
  dkms_instance_id = "kst-hzz0001demo"
}

# A new TaurusDB instance with one read replica: 1 instance of 2 nodes of the flavor.
resource "huaweicloud_gaussdb_mysql_instance" "orders" {
  name                  = "orders"
  flavor                = "gaussdb.mysql.4xlarge.x86.4"
  read_replicas         = 1
  enterprise_project_id = "3c9e8a4d-5f6b-4c7d-8e9f-0a1b2c3d4e5f"
  password              = var.db_password
  vpc_id                = "vpc-0001"
  subnet_id             = "subnet-0001"
}

# An existing instance that gets a second read replica: 1 more node of the flavor.
resource "huaweicloud_gaussdb_mysql_instance" "reports" {
  name                  = "reports"
  flavor                = "gaussdb.mysql.4xlarge.x86.4"
  read_replicas         = 2
  enterprise_project_id = "3c9e8a4d-5f6b-4c7d-8e9f-0a1b2c3d4e5f"
  password              = var.db_password
  vpc_id                = "vpc-0001"
  subnet_id             = "subnet-0001"
}

# huaweicloud_gaussdb_mysql_instance.legacy was removed from the configuration: a delete, no need.
