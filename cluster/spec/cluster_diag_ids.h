// The stable ids (RL2xx, documented in man/rayctl-validate.1) of what rayctl says about launcher
// files and KubeRay manifests: mostly the checks across fields (cluster_checks.h), a few raised
// while loading.
#pragma once

namespace rayctl {

namespace diag_id {
inline constexpr const char* kNameTooLong = "RL201";        // RayCluster > 53 / RayService > 47 characters
inline constexpr const char* kNameNotDns1035 = "RL202";     // metadata.name is not a DNS-1035 label
inline constexpr const char* kGpuParamMismatch = "RL203";   // nvidia.com/gpu limit ≠ rayStartParams num-gpus
inline constexpr const char* kGpuRequestLimit = "RL204";    // GPU requests ≠ limits
inline constexpr const char* kMinAboveMax = "RL205";        // minReplicas > maxReplicas
inline constexpr const char* kReplicasClamped = "RL206";    // replicas outside [minReplicas, maxReplicas]
inline constexpr const char* kNoServePort = "RL207";        // RayService head without a port named serve
inline constexpr const char* kIgnoredField = "RL208";       // deprecated RayService field KubeRay ignores
inline constexpr const char* kDuplicateGroup = "RL209";     // two worker groups with one groupName
inline constexpr const char* kResourceTwice = "RL211";      // resource in rayStartParams and group resources
inline constexpr const char* kLabelsParam = "RL212";        // labels in rayStartParams (rejected)
inline constexpr const char* kHeadServiceName = "RL213";    // headService.metadata.name under a RayService
inline constexpr const char* kRequestAboveLimit = "RL214";  // cpu/memory request > limit
inline constexpr const char* kHeadTypeUnknown = "RL220";    // head_node_type not in available_node_types
inline constexpr const char* kMinWorkersSum = "RL221";      // Σ min_workers > max_workers
inline constexpr const char* kTypeMinAboveMax = "RL222";    // a node type's min_workers > max_workers
inline constexpr const char* kLocalNodeTypes = "RL223";     // provider local with available_node_types
inline constexpr const char* kGroupHostUnknown = "RL224";   // worker_groups host not in worker_ips / twice
inline constexpr const char* kDuplicateHost = "RL225";      // the same host listed twice
inline constexpr const char* kWorkersCapped = "RL226";      // local min/max_workers above len(worker_ips)
inline constexpr const char* kNoRayStart = "RL227";         // head start commands without `ray start --head`
inline constexpr const char* kBadBastion = "RL228";         // provider.bastion not [user@]host[:port]
inline constexpr const char* kCloudProvider = "RL229";      // provider not local (or coordinator only): up has no nodes
inline constexpr const char* kDockerOnHost = "RL230";       // docker image set: rayctl runs Ray on the host
inline constexpr const char* kIgnoredByUp = "RL231";        // a field Ray acts on that `rayctl up` ignores
}  // namespace diag_id

}  // namespace rayctl
