/**
 * A reply body that is JSON text already (a stored object, or a list built from stored objects'
 * text): sent as it is, never parsed and serialized again.
 */
export class JsonText {
  constructor(readonly text: string) {}
}
