// Placeholder: replaced by the page's owner.
export default function AccountPage() {
  return <h1>AccountPage</h1>;
}
