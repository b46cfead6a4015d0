{{- define "sector-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The universes' Redis NetworkPolicies admit pods with this name label: keep it fixed. */}}
{{- define "sector-operator.selectorLabels" -}}
app.kubernetes.io/name: sector-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sector-operator.labels" -}}
{{ include "sector-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sector-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sector-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sector-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
