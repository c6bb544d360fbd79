import type { RandomStream } from "../engine/index.ts";
import { canonicalJson } from "./objects.ts";

/**
 * The alphabet of generated name suffixes: no vowels (so no words form) and no
 * characters easily confused (0/o, 1/l, 3/e).
 */
// why: k8s.io/apimachinery/pkg/util/rand rand.go `alphanums`.
export const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The label a Deployment's ReplicaSet stamps on its Pods. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** Maps each character of `text` into the name alphabet. */
// why: util/rand SafeEncodeString: alphanums[int(b) % len(alphanums)] per character.
export function safeEncodeString(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += NAME_ALPHABET[text.charCodeAt(i) % NAME_ALPHABET.length];
  return out;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
// why: hash/fnv New32a, the hasher behind controller.ComputeHash.
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The `pod-template-hash` of a Pod template: FNV-1a of the template, its
 * decimal value safe-encoded. The real controller hashes Go's spew dump of the
 * template, so the hash has the real shape (about ten characters of the name
 * alphabet) but not the real value; equal templates always hash equally.
 */
// why: pkg/controller controller_utils.go ComputeHash:
// rand.SafeEncodeString(fmt.Sprint(fnv32a(DeepHashObject(template)))).
export function podTemplateHash(template: unknown): string {
  return safeEncodeString(String(fnv32a(canonicalJson(template))));
}

/** `n` characters of the name alphabet drawn from `stream` (default 5, the generateName suffix length). */
// why: apiserver storage/names SimpleNameGenerator appends utilrand.String(5).
export function randomSuffix(stream: RandomStream, n = 5): string {
  let out = "";
  for (let i = 0; i < n; i++) out += NAME_ALPHABET[stream.int(NAME_ALPHABET.length)];
  return out;
}
