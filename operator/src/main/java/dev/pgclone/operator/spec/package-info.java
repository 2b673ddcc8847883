/**
 * What users write in specs, read and checked the same way by every controller: durations, the
 * server settings a clone of a CloneSource may set, and what a CloneSource must satisfy. Depends
 * only on the API types and the resource names, so the DatabaseClone and CloneSource controllers
 * both use it without depending on each other.
 */
package dev.pgclone.operator.spec;
