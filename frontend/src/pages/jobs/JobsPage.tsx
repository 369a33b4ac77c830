// Placeholder: replaced by the page's owner.
export default function JobsPage() {
  return <h1>JobsPage</h1>;
}
