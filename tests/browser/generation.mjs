// A language model's greedy generation checked one step per verifier run: each step's chosen
// token and grown key/value cache (its outputs) are the next step's inputs, fed on by
// `chainInputs` (poi-verifier-abi's rule, through the light client's bindings), so every step is
// a claim of its own that anyone can re-run. The same loop drives every engine: `verify(inputs)`
// is one engine's run and resolves to `{ output_hash, encoding }`. Plain ES module: Node imports
// it, and so does the page in Chromium.
//
// `generation` is the model's generation.json (scripts/transformer-models.py): the links from
// outputs to inputs and the token output's name; `first` the first step's inputs.

export async function generate(verify, { chainInputs, decodeOutputs }, generation, first) {
  const steps = [];
  let inputs = first;
  for (let n = 0; n < generation.tokens.length; n++) {
    const { output_hash, encoding } = await verify(inputs);
    const [token] = (await decodeOutputs(encoding, 1)).filter((o) => o.name === generation.token_output);
    steps.push({ output_hash, token: Number(token.preview[0]) });
    inputs = await chainInputs(encoding, generation.links);
  }
  return steps;
}
