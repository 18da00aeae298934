/**
 * The palette: the four DFD base kinds and cloud-native stencils. A stencil is only a base kind
 * with preset vocabulary properties (the `component` value tells the rules what it is), so the
 * server, the rules and every export see an ordinary element.
 */
import type { ElementKind, PropValue } from './types'

export interface Stencil {
  id: string
  label: string
  kind: ElementKind
  /** Default name of a new element. */
  name: string
  properties: Record<string, PropValue>
  group: 'base' | 'cloud-native'
}

const base = (id: string, label: string, kind: ElementKind): Stencil => ({ id, label, kind, name: label, properties: {}, group: 'base' })
const cn = (id: string, label: string, kind: ElementKind, properties: Record<string, PropValue>): Stencil => ({
  id,
  label,
  kind,
  name: label,
  properties,
  group: 'cloud-native',
})

export const STENCILS: readonly Stencil[] = [
  base('external_entity', 'External entity', 'external_entity'),
  base('process', 'Process', 'process'),
  base('data_store', 'Data store', 'data_store'),
  base('trust_boundary', 'Trust boundary', 'trust_boundary'),
  cn('user_browser', 'User / browser', 'external_entity', { component: 'user_browser', public_network: true }),
  cn('workload', 'Workload / pod', 'process', { component: 'workload' }),
  cn('ingress_controller', 'Ingress controller', 'process', { component: 'ingress_controller', public_network: true }),
  cn('load_balancer', 'Load balancer', 'process', { component: 'load_balancer' }),
  cn('kube_apiserver', 'Kubernetes API server', 'process', { component: 'kube_apiserver', exposes_k8s_api: true }),
  cn('kubelet', 'Kubelet', 'process', { component: 'kubelet', exposes_k8s_api: true }),
  cn('ci_pipeline', 'CI pipeline', 'process', { component: 'ci_pipeline' }),
  cn('cloud_metadata', 'Cloud metadata service', 'process', { component: 'cloud_metadata' }),
  cn('etcd', 'etcd', 'data_store', { component: 'etcd', stores_credentials: true }),
  cn('container_registry', 'Container registry', 'data_store', { component: 'container_registry' }),
  cn('secrets_manager', 'Secrets manager', 'data_store', { component: 'secrets_manager', stores_credentials: true }),
  cn('database', 'Database', 'data_store', { component: 'database' }),
  cn('message_queue', 'Message queue', 'data_store', { component: 'message_queue' }),
]

export function stencil(id: string): Stencil | undefined {
  return STENCILS.find((item) => item.id === id)
}

export const KIND_LABEL: Record<ElementKind, string> = {
  external_entity: 'External entity',
  process: 'Process',
  data_store: 'Data store',
  trust_boundary: 'Trust boundary',
}
