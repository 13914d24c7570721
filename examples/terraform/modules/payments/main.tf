variable "kms_instance_id" {
  type = string
}

variable "key_count" {
  type = number
}

resource "alicloud_kms_key" "tde" {
  count            = var.key_count
  description      = "payments TDE key ${count.index}"
  dkms_instance_id = var.kms_instance_id
}
