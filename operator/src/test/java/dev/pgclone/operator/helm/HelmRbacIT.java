package dev.pgclone.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC against the rules the build generates (target/kubernetes/kubernetes.yml, from
 * the controllers and their @RBACRule annotations; it exists after package, hence an IT).
 * Everything but the operator's own custom resources must match exactly. On those, QOSDK always
 * generates every common verb on the resource, its status and its finalizers; the chart grants
 * only what the operator uses (HelmRbacCoverageTest shows it is enough), so there the chart may
 * only be narrower.
 */
class HelmRbacIT {

    static final Path GENERATED = Path.of("target", "kubernetes", "kubernetes.yml");
    static final String OWN_GROUP = "pgclone.dev";

    @Test
    void chartRulesEqualTheGeneratedRulesAndAreNarrowerOnlyOnTheOperatorsOwnResources() throws IOException {
        assertThat(GENERATED).as("run mvn package first").exists();
        List<PolicyRule> generatedRules = new ArrayList<>();
        for (HasMetadata o : Chart.parse(Files.readString(GENERATED))) {
            if (o instanceof ClusterRole r) {
                generatedRules.addAll(r.getRules());
            } else if (o instanceof Role r) {
                generatedRules.addAll(r.getRules());
            }
        }
        Set<String> generated = strings(Chart.grants(generatedRules));
        assertThat(generated).as("generated rules").isNotEmpty();

        for (String values : List.of("", "watchNamespaces: [team-a, team-b]\n", "watchNamespaces: own\n")) {
            Chart.Rendered chart = Chart.render(values);
            List<PolicyRule> chartRules = new ArrayList<>();
            chart.all(ClusterRole.class).forEach(r -> chartRules.addAll(r.getRules()));
            chart.all(Role.class).forEach(r -> chartRules.addAll(r.getRules()));
            Set<String> granted = strings(Chart.grants(chartRules));

            assertThat(granted).as("values [%s]: chart grants the build does not generate (add an @RBACRule or drop the grant)", values.strip())
                    .isSubsetOf(generated);
            Set<String> missing = new TreeSet<>(generated);
            missing.removeAll(granted);
            Set<String> missingOutsideOwnGroup = missing.stream().filter(g -> !g.startsWith(OWN_GROUP + "/"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(missingOutsideOwnGroup)
                    .as("values [%s]: generated rules the chart lacks (add them to templates/_helpers.tpl)", values.strip())
                    .isEmpty();
            // on its own resources the chart must still allow what every controller needs to see its primaries
            assertThat(granted).as("values [%s]", values.strip())
                    .contains(OWN_GROUP + "/databaseclones:watch", OWN_GROUP + "/refreshschedules:watch",
                            OWN_GROUP + "/databaseclones/status:patch", OWN_GROUP + "/refreshschedules/status:patch");
        }
    }

    private static Set<String> strings(Set<Chart.Grant> grants) {
        return grants.stream().map(Chart.Grant::toString).collect(Collectors.toCollection(TreeSet::new));
    }
}
