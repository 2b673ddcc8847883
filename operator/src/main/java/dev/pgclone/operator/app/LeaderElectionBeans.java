package dev.pgclone.operator.app;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Leader election for more than one operator replica. The Quarkus Operator SDK turns it on when a
 * {@link LeaderElectionConfiguration} bean exists (in the profiles of
 * {@code quarkus.operator-sdk.activate-leader-election-for-profiles}, default prod); this producer
 * makes one only when {@code pgclone.leader-election.enabled} is true, so the Helm chart decides at
 * run time. The Lease lives in {@code pgclone.leader-election.lease-namespace}, by default the
 * namespace of the operator's kube config (in-cluster: its ServiceAccount's).
 */
public class LeaderElectionBeans {

    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(
            @ConfigProperty(name = "pgclone.leader-election.enabled", defaultValue = "false") boolean enabled,
            @ConfigProperty(name = "pgclone.leader-election.lease-name", defaultValue = "pgclone-operator-leader") String leaseName,
            @ConfigProperty(name = "pgclone.leader-election.lease-namespace") Optional<String> leaseNamespace) {
        if (!enabled) {
            // a @Dependent producer may return null: the operator then runs without leader election
            return null;
        }
        return leaseNamespace.filter(ns -> !ns.isBlank())
                .map(ns -> new LeaderElectionConfiguration(leaseName, ns))
                .orElseGet(() -> new LeaderElectionConfiguration(leaseName));
    }
}
