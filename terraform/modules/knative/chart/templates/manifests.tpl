{{- /*
Every object Terraform passes in .Values.manifests (../../main.tf), one YAML document each.
Named .tpl, not .yaml, because it is not YAML until Helm renders it; Helm renders every file of
templates/ whose name does not begin with "_", whatever its extension.
*/ -}}
{{- range .Values.manifests }}
---
{{ toYaml . }}
{{- end }}
