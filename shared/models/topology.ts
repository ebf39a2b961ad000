/**
 * Pure edits and checks of a Keras/tfjs Layers topology (the `modelTopology` of a model.json): plain JSON in, plain
 * JSON out, no tfjs. A node is `{class_name, config}`; containers hold their layers in `config.layers` (old Keras
 * Sequential: `config` itself is the list), wrappers (TimeDistributed, Bidirectional) theirs in `config.layer`.
 */

/** One node of a topology: a model or a layer. */
export interface TopologyNode {
  class_name: string;
  config: unknown;
  [key: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `v` looks like a topology node (an object with a string `class_name`). */
function isTopologyNode(v: unknown): v is TopologyNode {
  return isObject(v) && typeof v.class_name === 'string';
}

/**
 * The model node of a model.json's `modelTopology`: the Keras converter wraps it as
 * `{keras_version, backend, model_config: {class_name, config}, training_config}`, tfjs writes it bare.
 * @returns the node, or undefined when `modelTopology` is neither.
 */
export function unwrapTopology(modelTopology: unknown): TopologyNode | undefined {
  const node = isObject(modelTopology) && 'model_config' in modelTopology ? modelTopology.model_config : modelTopology;
  return isTopologyNode(node) ? node : undefined;
}

/** The layers a container node holds directly (empty for a plain layer). */
function childLayers(node: TopologyNode): TopologyNode[] {
  const cfg = node.config;
  const layers = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  const children: unknown[] = Array.isArray(layers) ? layers : [];
  if (isObject(cfg) && cfg.layer !== undefined) children.push(cfg.layer);
  return children.filter(isTopologyNode);
}

function layerName(node: TopologyNode): string {
  const cfg = node.config;
  return isObject(cfg) && typeof cfg.name === 'string' ? cfg.name : typeof node.name === 'string' ? node.name : '?';
}

/**
 * The first node (depth first: the model, its layers, layers of nested models and wrappers) whose class `isKnown`
 * rejects — a custom layer the loader cannot build.
 * @returns its class and layer name, or undefined when every class is known.
 */
export function firstUnknownClass(
  node: TopologyNode,
  isKnown: (className: string) => boolean,
): { className: string; layerName: string } | undefined {
  if (!isKnown(node.class_name)) return { className: node.class_name, layerName: layerName(node) };
  for (const child of childLayers(node)) {
    const unknown = firstUnknownClass(child, isKnown);
    if (unknown) return unknown;
  }
  return undefined;
}

/** The layer that makes a container's output: a Sequential's last layer, a functional model's `output_layers[0]`. */
function outputLayer(node: TopologyNode): TopologyNode | undefined {
  const layers = childLayers(node);
  if (node.class_name === 'Sequential') return layers.at(-1);
  const cfg = node.config;
  if (!isObject(cfg) || !Array.isArray(cfg.output_layers) || !Array.isArray(cfg.output_layers[0])) return undefined;
  const name: unknown = cfg.output_layers[0][0];
  return layers.find((l) => layerName(l) === name);
}

/**
 * Makes the model output logits: a final softmax — the output layer's `activation: "softmax"`, an Activation layer
 * with softmax, or a Softmax layer — becomes linear (a Softmax layer becomes a linear Activation of the same name,
 * which holds no weights either). Follows the output into nested models (Sequential: last layer; functional: the
 * layer `output_layers` names). Edits `node` in place. @returns whether a softmax was replaced.
 */
export function replaceFinalSoftmax(node: TopologyNode): boolean {
  const inner = outputLayer(node);
  if (inner) return replaceFinalSoftmax(inner);
  const cfg = node.config;
  if (!isObject(cfg)) return false;
  if (node.class_name === 'Softmax') {
    node.class_name = 'Activation';
    node.config = { name: cfg.name, trainable: cfg.trainable, dtype: cfg.dtype, activation: 'linear' };
    return true;
  }
  if (cfg.activation !== 'softmax') return false;
  cfg.activation = 'linear';
  return true;
}
