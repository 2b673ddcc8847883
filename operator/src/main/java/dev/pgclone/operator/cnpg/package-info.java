/**
 * Reads a CloudNativePG Cluster (one of its instances) or a CloudNativePG volume-snapshot Backup
 * from the API server and tells what taking, or restoring, a snapshot of it needs: the PVCs or
 * VolumeSnapshots, the directories inside them, the image and major, the uid, the superuser
 * Secret. CloudNativePG's kinds are read as generic resources and parsed into small records of
 * only the fields used; every field read is listed in docs/cloudnativepg.md. Depends on nothing
 * else of the operator, so any controller can use it.
 */
package dev.pgclone.operator.cnpg;
