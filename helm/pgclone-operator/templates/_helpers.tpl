{{/* Names: <release>-pgclone-operator unless the release name already says it. */}}
{{- define "pgclone-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pgclone-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pgclone-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pgclone-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "pgclone-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgclone-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pgclone-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pgclone-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pgclone
{{- end -}}

{{- define "pgclone-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "pgclone-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "pgclone-operator.fullname" .)) .Values.leaderElection.leaseName | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The watched namespaces as a JSON list; an empty list means every namespace.
watchNamespaces: all | own | [ns, ...]
*/}}
{{- define "pgclone-operator.watchedNamespaces" -}}
{{- $w := .Values.watchNamespaces -}}
{{- if kindIs "string" $w -}}
{{- if eq $w "all" -}}
[]
{{- else if eq $w "own" -}}
{{- list .Release.Namespace | toJson -}}
{{- else -}}
{{- fail (printf "watchNamespaces must be all, own or a list of namespaces, not %q" $w) -}}
{{- end -}}
{{- else if kindIs "slice" $w -}}
{{- if not $w -}}
{{- fail "watchNamespaces is an empty list: use all for every namespace" -}}
{{- end -}}
{{- $w | uniq | toJson -}}
{{- else -}}
{{- fail "watchNamespaces must be all, own or a list of namespaces" -}}
{{- end -}}
{{- end -}}

{{/*
What the operator does in every namespace it watches. Keep in step with the @RBACRule annotations
on the reconcilers: HelmRbacTest compares this chart with the rules the build generates, and
HelmRbacCoverageTest with the API requests the reconcilers make.
*/}}
{{- define "pgclone-operator.namespacedRules" -}}
# patch: the finalizer through which a clone releases what it holds outside its namespace
- apiGroups: ["pgclone.dev"]
  resources: ["databaseclones"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["pgclone.dev"]
  resources: ["databaseclones/status", "refreshschedules/status", "clonesources/status", "migrationrehearsals/status"]
  verbs: ["patch"]
# CloneSources are read by clones in other namespaces; patch: the CloneSource's own finalizer
- apiGroups: ["pgclone.dev"]
  resources: ["clonesources"]
  verbs: ["get", "list", "watch", "patch"]
# owner references with blockOwnerDeletion on what a clone, a schedule, a rehearsal or a CloneSource (its masked
# snapshots and their builds) owns
- apiGroups: ["pgclone.dev"]
  resources: ["databaseclones/finalizers", "refreshschedules/finalizers", "migrationrehearsals/finalizers", "clonesources/finalizers"]
  verbs: ["update"]
- apiGroups: ["pgclone.dev"]
  resources: ["refreshschedules", "migrationrehearsals"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["pods", "persistentvolumeclaims", "secrets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# a rehearsal's migration Job (migration.job); watch: the operator watches only its own Job, by name, while it runs (the
# verb itself allows watching every Job of a watched namespace); delete: when the migration times out
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "watch", "create", "delete"]
# update: a clone's claim (finalizer) on a CloneSource's snapshot; delete: snapshot bindings and unused source snapshots
- apiGroups: ["snapshot.storage.k8s.io"]
  resources: ["volumesnapshots"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# spec.source.cloudNativePG / cloudNativePGBackup: read only (docs/cloudnativepg.md lists the fields)
- apiGroups: ["postgresql.cnpg.io"]
  resources: ["clusters", "backups", "imagecatalogs"]
  verbs: ["get"]
{{- end -}}

{{/*
Cluster-scoped resources the operator uses, granted by a ClusterRole whatever watchNamespaces
says: the pre-provisioned VolumeSnapshotContent through which a clone of a CloneSource restores
in its own namespace, the Namespace whose labels an allowedNamespaceSelector matches, and the
ClusterImageCatalog a CloudNativePG Cluster may take its image from.
*/}}
{{- define "pgclone-operator.clusterScopedRules" -}}
- apiGroups: ["snapshot.storage.k8s.io"]
  resources: ["volumesnapshotcontents"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get"]
# a CloudNativePG Cluster's imageCatalogRef may name a ClusterImageCatalog
- apiGroups: ["postgresql.cnpg.io"]
  resources: ["clusterimagecatalogs"]
  verbs: ["get"]
{{- end -}}

{{/*
The Lease of leader election, in the release namespace: fabric8's LeaseLock reads, creates and
patches it; JOSDK refuses to start unless get, create and update are granted.
*/}}
{{- define "pgclone-operator.leaderElectionRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update", "patch"]
{{- end -}}

{{/*
The operator key's Secret: the one named by operatorKey.existingSecret, or the chart's own.
*/}}
{{- define "pgclone-operator.operatorKeySecretName" -}}
{{- default (printf "%s-operator-key" (include "pgclone-operator.fullname" .)) .Values.operatorKey.existingSecret | trunc 253 -}}
{{- end -}}

{{- define "pgclone-operator.operatorKeySecretKey" -}}
{{- if .Values.operatorKey.existingSecret -}}
{{- required "operatorKey.existingSecretKey names the key of operatorKey.existingSecret that holds the operator key" .Values.operatorKey.existingSecretKey -}}
{{- else -}}
operator-key
{{- end -}}
{{- end -}}

{{/*
The chart's own operator key, base64: on an upgrade the one already in the cluster, so that it
stays (a new key would recreate every clone Pod), else a new random one. Only upgrades look it up:
an install has nothing to find, and client-only renderings (helm template, and helm-java in the
chart's tests) cannot reach a cluster; they show a random key.
*/}}
{{- define "pgclone-operator.operatorKeyData" -}}
{{- if not (hasKey .Values.operatorKey "_rendered") -}}
{{- $existing := dict -}}
{{- if .Release.IsUpgrade -}}
{{- $existing = lookup "v1" "Secret" .Release.Namespace (include "pgclone-operator.operatorKeySecretName" .) -}}
{{- end -}}
{{- if and $existing $existing.data (index $existing.data "operator-key") -}}
{{- $_ := set .Values.operatorKey "_rendered" (index $existing.data "operator-key") -}}
{{- else -}}
{{- /* remembered for this render, so the Secret and the Deployment's checksum see the same new key */ -}}
{{- $_ := set .Values.operatorKey "_rendered" (randAlphaNum 48 | b64enc) -}}
{{- end -}}
{{- end -}}
{{- .Values.operatorKey._rendered -}}
{{- end -}}

{{/*
Namespaces whose unprepared clones the NetworkPolicy isolates: the watched ones, or with
watchNamespaces: all, the ones listed in networkPolicy.namespaces.
*/}}
{{- define "pgclone-operator.networkPolicyNamespaces" -}}
{{- $watched := include "pgclone-operator.watchedNamespaces" . | fromJsonArray -}}
{{- if $watched -}}
{{- $watched | toJson -}}
{{- else -}}
{{- .Values.networkPolicy.namespaces | default list | uniq | toJson -}}
{{- end -}}
{{- end -}}
