/** A `.txt` import is a text module (wrangler's default rule): the file's content. */
declare module "*.txt" {
  const text: string;
  export default text;
}
