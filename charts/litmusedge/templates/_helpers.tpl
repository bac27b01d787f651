{{/*
Names come from the release, never fixed, so two releases live side by side in one namespace. Truncated to 52
characters so that the longest suffix ("-external", "-test-https") keeps every name within 63.
*/}}
{{- define "litmusedge.name" -}}
{{- .Chart.Name | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "litmusedge.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "litmusedge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The image version: image.tag, else the chart's appVersion. */}}
{{- define "litmusedge.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* repository:tag, or repository:tag@digest when a digest pins it. */}}
{{- define "litmusedge.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (include "litmusedge.tag" .) }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $ref .Values.image.digest }}
{{- else }}
{{- $ref }}
{{- end }}
{{- end }}

{{/*
Selector labels (immutable on a Deployment): name, instance and the component `edge`, so that the helm test Pod
(component `test`) is never an endpoint of the Services.
*/}}
{{- define "litmusedge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "litmusedge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: edge
{{- end }}

{{/* Standard labels; the component is given by the caller: (dict "ctx" $ "component" "edge"). */}}
{{- define "litmusedge.labels" -}}
{{- $ := .ctx -}}
helm.sh/chart: {{ include "litmusedge.chart" $ }}
app.kubernetes.io/name: {{ include "litmusedge.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: litmus-aio
app.kubernetes.io/version: {{ include "litmusedge.tag" $ | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ $.Release.Service }}
{{- end }}

{{- define "litmusedge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "litmusedge.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{/* The claim mounted at /var: an existing one, or the chart's `<fullname>-var`. */}}
{{- define "litmusedge.claimName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-var" (include "litmusedge.fullname" .)) }}
{{- end }}

{{/* One probe: HTTPS GET on the port named https. (dict "p" <probe values> "readiness" <bool>) */}}
{{- define "litmusedge.probe" -}}
httpGet:
  path: {{ .p.path | quote }}
  port: https
  scheme: HTTPS
initialDelaySeconds: {{ .p.initialDelaySeconds }}
periodSeconds: {{ .p.periodSeconds }}
timeoutSeconds: {{ .p.timeoutSeconds }}
failureThreshold: {{ .p.failureThreshold }}
{{- if .readiness }}
successThreshold: {{ .p.successThreshold }}
{{- end }}
{{- end }}

{{/*
How long the Deployment may take to progress before Kubernetes reports ProgressDeadlineExceeded: the start-up
probe's budget plus 5 minutes for pulling the image and attaching the volume, at least Kubernetes' 600 s. A shorter
deadline would make a slow but healthy first start look failed to kstatus (helm --wait=watcher).
*/}}
{{- define "litmusedge.progressDeadline" -}}
{{- $s := .Values.probes.startup }}
{{- $budget := 0 }}
{{- if $s.enabled }}
{{- $budget = add $s.initialDelaySeconds (mul $s.periodSeconds $s.failureThreshold) }}
{{- end }}
{{- max 600 (add $budget 300) }}
{{- end }}

{{/* Refusals the schema cannot word well: a mutable `latest` image. */}}
{{- define "litmusedge.validate" -}}
{{- if eq (include "litmusedge.tag" .) "latest" }}
{{- fail "image.tag: `latest` is refused: a pod restart could pull another image. Set image.tag to the Litmus Edge version your mirror tagged (e.g. 3.16.2) and image.digest to its sha256 digest." }}
{{- end }}
{{- if .Values.tests.enabled }}
{{- $ref := .Values.tests.image }}
{{- $pinned := or (contains "@sha256:" $ref) (regexMatch ":[A-Za-z0-9_][A-Za-z0-9_.-]*$" (regexReplaceAll "^[^/]*/" $ref "")) }}
{{- if or (not $pinned) (hasSuffix ":latest" $ref) }}
{{- fail (printf "tests.image: %q has no version: give a tag other than latest (e.g. curlimages/curl:8.11.1) or a digest, or set tests.enabled=false." $ref) }}
{{- end }}
{{- end }}
{{- end }}
