// Checks, in the browser, that a record is in a node's log: the RFC 6962 / RFC 9162 inclusion proof from the
// record's leaf up to the root of the tree, compared with the root in the node's signed checkpoint
// (a C2SP tlog-checkpoint note: origin, tree size and base64 root on its first three lines).

export interface InclusionProof {
  event_hash: string; // hex SHA-256 of the stored event
  leaf_index: number;
  leaf_hash: string; // base64
  tree_size: number;
  proof: string[]; // base64 sibling hashes, leaf to root
  checkpoint: string;
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

export interface InclusionCheck {
  ok: boolean;
  reason: string; // for people, when not ok
  checkpoint: Checkpoint | null;
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function fromHex(text: string): Uint8Array | null {
  if (!/^([0-9a-f]{2})+$/i.test(text)) return null;
  return Uint8Array.from(text.match(/../g)!.map((b) => parseInt(b, 16)));
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function parseCheckpoint(note: string): Checkpoint | null {
  const lines = note.split('\n');
  if (lines.length < 3 || !/^\d+$/.test(lines[1])) return null;
  try {
    const root = fromBase64(lines[2]);
    return root.length === 32 ? { origin: lines[0], size: Number(lines[1]), root } : null;
  } catch {
    return null;
  }
}

export async function checkInclusion(p: InclusionProof): Promise<InclusionCheck> {
  const checkpoint = parseCheckpoint(p.checkpoint);
  if (!checkpoint) return { ok: false, reason: 'the checkpoint is not a signed note of a log', checkpoint };
  if (checkpoint.size !== p.tree_size) {
    return { ok: false, reason: `the proof is for a log of ${p.tree_size} entries, the checkpoint for ${checkpoint.size}`, checkpoint };
  }
  const eventHash = fromHex(p.event_hash);
  let leaf: Uint8Array;
  try {
    leaf = fromBase64(p.leaf_hash);
  } catch {
    return { ok: false, reason: 'the leaf hash is not base64', checkpoint };
  }
  if (!eventHash || !same(await sha256(Uint8Array.of(0), eventHash), leaf)) {
    return { ok: false, reason: 'the log entry is not the record’s hash', checkpoint };
  }
  let proof: Uint8Array[];
  try {
    proof = p.proof.map(fromBase64);
  } catch {
    return { ok: false, reason: 'the proof is not base64', checkpoint };
  }
  const wrong = await verifyInclusion(p.leaf_index, p.tree_size, leaf, proof, checkpoint.root);
  return wrong ? { ok: false, reason: wrong, checkpoint } : { ok: true, reason: '', checkpoint };
}

// RFC 9162 §2.1.3.2: null when `proof` leads from the leaf at `index` of a tree of `size` leaves to `root`,
// else why not.
export async function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): Promise<string | null> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return 'the entry is outside the log';
  }
  if (leaf.length !== 32 || root.length !== 32 || proof.some((s) => s.length !== 32)) {
    return 'a hash in the proof is not 32 bytes long';
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const s of proof) {
    if (sn === 0) return 'the proof is longer than the log is deep';
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), s, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await sha256(Uint8Array.of(1), r, s);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'the proof is shorter than the log is deep';
  if (!same(r, root)) return 'the proof does not lead to the checkpoint’s root';
  return null;
}
