/**
 * The application's wiring: the beans that build the plain classes the reconcilers use. Nothing
 * in the operator depends on this package, so it may depend on all of them.
 */
package dev.pgclone.operator.app;
