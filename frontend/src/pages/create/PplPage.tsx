// Placeholder: replaced by the page's owner.
export default function PplPage() {
  return <h1>PplPage</h1>;
}
