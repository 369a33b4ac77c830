// Placeholder: replaced by the page's owner.
export default function EditPage() {
  return <h1>EditPage</h1>;
}
