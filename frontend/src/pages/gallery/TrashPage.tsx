// Placeholder: replaced by the page's owner.
export default function TrashPage() {
  return <h1>TrashPage</h1>;
}
