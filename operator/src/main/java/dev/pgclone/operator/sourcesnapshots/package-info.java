/**
 * The snapshots of a CloneSource and the clones' claims on them, made and dropped in one place for
 * the DatabaseClone controller (claim, release) and the CloneSource controller (drop the claims of
 * clones that are gone, delete what nobody claims). Depends on the API types and resources only.
 */
package dev.pgclone.operator.sourcesnapshots;
