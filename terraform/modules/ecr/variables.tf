variable "repositories" {
  description = "Repository names, as skaffold's --default-repo rewriting names the images (README.md)."
  type        = list(string)
}

variable "keep_images" {
  description = "Images kept per repository, newest first."
  type        = number
  default     = 200
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
